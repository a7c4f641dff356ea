// Entry point of the page: the page-level stylesheet (a file, not inline, so the production
// Content-Security-Policy's style-src 'self' admits it) and the playground element that index.html mounts.
import './page.css';
import './ui/playground';

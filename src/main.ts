// Entry point of the page: registers the playground element that index.html mounts.
import './ui/playground';

/**
 * Inline style properties written through the CSSOM. The production Content-Security-Policy
 * (style-src 'self') blocks style attributes, and Lit's styleMap writes one on its first render;
 * CSSOM writes (element.style.setProperty) are not governed by the policy, so colours computed at
 * run time, such as a heatmap cell's, go through this directive instead.
 */
import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

/** CSS property names (as in a stylesheet: `grid-template-columns`) and their values. */
export type CssProperties = Record<string, string>;

class CssPropertiesDirective extends Directive {
  /** Properties set by the previous render, so one dropped from the map is removed. */
  private previous = new Set<string>();

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('cssProperties() goes in an element\'s tag, as <div ${cssProperties({ … })}>, not in an attribute or a child');
  }

  render(_properties: CssProperties): typeof noChange {
    return noChange;
  }

  override update(part: ElementPart, [properties]: [CssProperties]): typeof noChange {
    const style = (part.element as HTMLElement).style;
    for (const name of this.previous) if (!(name in properties)) style.removeProperty(name);
    for (const [name, value] of Object.entries(properties)) style.setProperty(name, value);
    this.previous = new Set(Object.keys(properties));
    return noChange;
  }
}

/** Sets the element's inline style properties through the CSSOM on every render. */
export const cssProperties = directive(CssPropertiesDirective);

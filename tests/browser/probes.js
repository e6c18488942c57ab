// Functions that run inside the page (through page.evaluate), so each one is
// self-contained: no closures over this module.
"use strict";

/* Every visible piece of text in `scope` (a selector; the whole page by
   default): its color against its effective background, its contrast
   ratio, font size and weight. */
function textContrast(scope) {
  const parse = (css) => {
    const m = /^rgba?\(([^)]*)\)$/.exec(css.trim());
    if (!m) { throw new Error(`unexpected computed color ${css}`); }
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const luminance = (c) => {
    const f = (v) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) { layers.push(c); if (c.a >= 1) { break; } }
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const l of layers.reverse()) { bg = over(l, bg); }
    return bg;
  };
  const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) { s += `#${el.id}`; }
    if (el.classList.length) { s += "." + [...el.classList].join("."); }
    const p = el.parentElement;
    return p && p !== document.body ? `${p.tagName.toLowerCase()}${p.classList.length ? "." + [...p.classList].join(".") : ""} > ${s}` : s;
  };
  const root = scope ? document.querySelector(scope) : document.body;
  const found = [];
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text) { continue; }
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) { continue; }
    const r = el.getBoundingClientRect();
    // Hidden for screens only (visually-hidden labels, an unfocused skip link).
    if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0 - window.scrollY) { continue; }
    const style = getComputedStyle(el);
    const bg = background(el);
    // SVG text is painted with `fill`, at its size times the drawing's scale.
    const svg = el instanceof SVGElement;
    const paint = svg && /^rgb/.test(style.fill) ? style.fill : style.color;
    const scale = svg && el.getScreenCTM() ? Math.abs(el.getScreenCTM().a) : 1;
    const fg = over(parse(paint), bg);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    found.push({
      el: name(el), text: text.slice(0, 30), color: hex(fg), background: hex(bg),
      ratio: Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100,
      size: Math.round(parseFloat(style.fontSize) * scale * 10) / 10, weight: Number(style.fontWeight),
      main: Boolean(el.closest("main")),
      // Text drawn in a chart or picture that has a text alternative.
      graphic: Boolean(el.closest("svg[role=img], img")),
    });
  }
  return found;
}

/* Whether the page scrolls sideways, and if so which elements stick out. */
function sideways() {
  const d = document.documentElement;
  const width = d.clientWidth;
  const wide = [];
  if (d.scrollWidth > width) {
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) {
        wide.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""} right=${Math.round(r.right)}`);
      }
    }
  }
  return { scrollWidth: d.scrollWidth, clientWidth: width, wide: wide.slice(0, 10) };
}

/* The focused element and its focus ring: outline, box shadow, and the
   ring's contrast with the colour behind it (the ring is drawn outside the
   element, on its parent). Gives each element a number in data-tab. */
function focusStyle() {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  if (!el.hasAttribute("data-tab")) { el.setAttribute("data-tab", `late-${performance.now()}`); }
  const parse = (css) => {
    const p = /^rgba?\(([^)]*)\)$/.exec(css.trim())[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const luminance = (c) => {
    const f = (v) => { const x = v / 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  let behind = { r: 255, g: 255, b: 255 };
  for (let e = el.parentElement; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c.a >= 1) { behind = c; break; }
  }
  const s = getComputedStyle(el);
  const [l1, l2] = [luminance(parse(s.outlineColor)), luminance(behind)].sort((x, y) => y - x);
  const r = el.getBoundingClientRect();
  return {
    id: el.getAttribute("data-tab"),
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || el.getAttribute("aria-label") || el.value || "").trim().slice(0, 30),
    href: el.getAttribute("href"),
    outline: s.outlineStyle !== "none" ? parseFloat(s.outlineWidth) : 0,
    contrast: (l1 + 0.05) / (l2 + 0.05),
    shadow: s.boxShadow !== "none",
    visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > -window.scrollY,
    focusVisible: el.matches(":focus-visible"),
  };
}

module.exports = { textContrast, sideways, focusStyle };

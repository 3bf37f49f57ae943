// Zoom and pan for the viewer's photo: pinch, double-tap (or double-click) and the + − 0 keys zoom; one finger
// pans a zoomed photo and swipes between photos at normal size. The transform is set through the CSSOM, which
// the CSP allows (it forbids style attributes in markup, not element.style).
const MAX_SCALE = 5;
const DOUBLE_TAP_MS = 300;
const SWIPE_PX = 50;

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const distance = (a, b) => Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
const midpoint = (a, b) => ({ x: (a.clientX + b.clientX) / 2, y: (a.clientY + b.clientY) / 2 });

/** `stage` receives the gestures, `img` is transformed; `onSwipe(+1 | -1)` asks for the next or previous photo. */
export function zoomable(stage, img, { onSwipe }) {
  let scale = 1;
  let x = 0;
  let y = 0;
  let gesture; // what the touches on the stage are doing now
  let lastTap;

  const apply = () => {
    img.style.transform = scale === 1 ? '' : `translate(${x}px, ${y}px) scale(${scale})`;
    stage.classList.toggle('is-zoomed', scale > 1);
  };
  /** Keeps the zoomed photo covering its box: no dragging it out of sight. */
  const bound = () => {
    const w = img.clientWidth;
    const h = img.clientHeight;
    x = clamp(x, w - w * scale, 0);
    y = clamp(y, h - h * scale, 0);
  };
  /** A point on the screen, in the photo box's own (unzoomed) coordinates. */
  const local = (clientX, clientY) => {
    const box = stage.getBoundingClientRect();
    return { x: clientX - box.left - img.offsetLeft, y: clientY - box.top - img.offsetTop };
  };
  /** Zooms to `next`, keeping the photo's point under (px, py) where it is. */
  const zoomTo = (next, px, py) => {
    const target = clamp(next, 1, MAX_SCALE);
    x = px - (px - x) * (target / scale);
    y = py - (py - y) * (target / scale);
    scale = target;
    if (scale === 1) x = y = 0;
    bound();
    apply();
  };
  const centre = () => ({ x: img.clientWidth / 2, y: img.clientHeight / 2 });
  const toggleAt = (clientX, clientY) => {
    const p = local(clientX, clientY);
    zoomTo(scale > 1 ? 1 : 2.5, p.x, p.y);
  };

  stage.addEventListener('touchstart', (event) => {
    if (event.target instanceof Element && event.target.closest('button, a')) return;
    const [a, b] = event.touches;
    if (b) {
      const m = midpoint(a, b);
      gesture = { kind: 'pinch', startDistance: distance(a, b), startScale: scale, anchor: local(m.x, m.y) };
    } else {
      gesture = { kind: 'one', startX: a.clientX, startY: a.clientY, x, y, at: event.timeStamp, moved: false };
    }
  }, { passive: true });

  stage.addEventListener('touchmove', (event) => {
    if (!gesture) return;
    event.preventDefault();
    const [a, b] = event.touches;
    if (gesture.kind === 'pinch' && b) {
      const m = midpoint(a, b);
      const p = local(m.x, m.y);
      zoomTo(gesture.startScale * (distance(a, b) / gesture.startDistance), p.x, p.y);
    } else if (gesture.kind === 'one' && a) {
      const dx = a.clientX - gesture.startX;
      const dy = a.clientY - gesture.startY;
      if (Math.hypot(dx, dy) > 10) gesture.moved = true;
      if (scale > 1) {
        x = gesture.x + dx;
        y = gesture.y + dy;
        bound();
        apply();
      }
    }
  }, { passive: false });

  stage.addEventListener('touchend', (event) => {
    if (!gesture || event.touches.length > 0) return;
    const done = gesture;
    gesture = undefined;
    if (done.kind !== 'one') return;
    const touch = event.changedTouches[0];
    const dx = touch.clientX - done.startX;
    const dy = touch.clientY - done.startY;
    if (scale === 1 && Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 1.5 * Math.abs(dy)) {
      onSwipe(dx < 0 ? 1 : -1);
      return;
    }
    if (done.moved) return;
    const tap = { at: event.timeStamp, x: touch.clientX, y: touch.clientY };
    if (lastTap && tap.at - lastTap.at < DOUBLE_TAP_MS && Math.hypot(tap.x - lastTap.x, tap.y - lastTap.y) < 40) {
      event.preventDefault(); // no double-click and no page zoom after it
      lastTap = undefined;
      toggleAt(tap.x, tap.y);
    } else {
      lastTap = tap;
    }
  });
  stage.addEventListener('touchcancel', () => (gesture = undefined));

  stage.addEventListener('dblclick', (event) => {
    if (event.target instanceof Element && event.target.closest('button, a')) return;
    toggleAt(event.clientX, event.clientY);
  });

  return {
    reset() {
      scale = 1;
      x = y = 0;
      apply();
    },
    /** The + and − keys: by a factor, about the middle. */
    zoomBy(factor) {
      const c = centre();
      zoomTo(factor === 0 ? 1 : scale * factor, c.x, c.y);
    },
    get scale() {
      return scale;
    },
  };
}

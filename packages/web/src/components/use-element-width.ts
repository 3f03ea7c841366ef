import { type RefObject, useLayoutEffect, useRef, useState } from "react";

/**
 * The rendered width in CSS pixels of the element the returned ref is put on, kept current with a
 * ResizeObserver; `fallback` before the first layout (and where there is no ResizeObserver). Charts draw at this
 * width, so their text is the page's size at any width instead of a scaled viewBox.
 * @example const [ref, width] = useElementWidth<HTMLDivElement>(640); <div ref={ref}><svg width={width} /></div>
 */
export function useElementWidth<T extends HTMLElement>(fallback: number): [RefObject<T | null>, number] {
  const ref = useRef<T | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const measure = () => {
      const w = Math.floor(element.getBoundingClientRect().width);
      if (w > 0) setWidth(w);
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

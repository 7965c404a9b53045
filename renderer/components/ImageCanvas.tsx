import { useEffect, useRef, type CanvasHTMLAttributes } from 'react';

/**
 * A canvas showing `image` at its own size (CSS scales it): the thumbnails of the mixing grid, the
 * seed grid for teaching by example and the map's hover preview. Until the image arrives it is a
 * 1×1 placeholder, and `data-ready` says which, so tests can wait for the pixels.
 */
export function ImageCanvas({ image, ...props }: { image: ImageData | undefined } & CanvasHTMLAttributes<HTMLCanvasElement>) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !image) return;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(image, 0, 0);
  }, [image]);
  return <canvas ref={ref} data-ready={image ? 'true' : 'false'} width={1} height={1} {...props} />;
}

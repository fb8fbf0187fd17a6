// The one react-dom entry the explorer uses; @types/react-dom is not installed (only
// @types/react comes in, with GraphiQL).
declare module 'react-dom/client' {
  import type { ReactNode } from 'react';
  export function createRoot(container: Element): { render(children: ReactNode): void; unmount(): void };
}

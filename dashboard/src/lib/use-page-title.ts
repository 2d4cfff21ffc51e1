import { useEffect } from "react";

/** Names the browser tab after the page: "Nodes · Farm Controller". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Farm Controller`;
  }, [title]);
}

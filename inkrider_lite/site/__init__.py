"""Host-side tools that build the static site: Pyodide, the offline index, the loader, the docs."""

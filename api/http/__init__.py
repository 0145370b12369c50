"""HTTP: the app factory, the views (`resources/`), the server, and what views share: problem
details, pages and links, formats, feeds, a write's preconditions, and the hooks and middleware."""

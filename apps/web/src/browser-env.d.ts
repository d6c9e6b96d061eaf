// The web client runs in a browser: its sources need the DOM types, which the repository's shared
// tsconfig (made for Node) leaves out.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

/** The Tandem editor client: React components, hooks and framework-free session functions. */
export {};

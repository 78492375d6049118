"""Small, complete services that show how to use the runtime (see the README)."""

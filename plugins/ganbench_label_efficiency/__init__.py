"""Built-in ganbench plugin package."""

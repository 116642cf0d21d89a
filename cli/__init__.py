"""The `souverain` command line: thin click commands over the library."""

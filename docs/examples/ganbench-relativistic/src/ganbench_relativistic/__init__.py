"""ganbench-relativistic: an example ganbench plugin (relativistic hinge loss, nearest-neighbour metric)."""

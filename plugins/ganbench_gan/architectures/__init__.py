"""Architecture factories: ``factory(resolution, channels, num_classes, **gin) -> (G, D)``."""

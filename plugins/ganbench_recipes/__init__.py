"""Built-in plugin ganbench_recipes: puts the reusable gin recipes of the repository's top-level
``gin/`` folder (published model configs ``models/*.gin``, dataset fragments ``datasets/*.gin``)
on gin's include search path. It registers no component."""

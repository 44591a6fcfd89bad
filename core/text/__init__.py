"""The front-matter text layer: the byte-exact split of an article (``frontmatter``), the
guards applied before any byte is trusted (``guard``), YAML to data (``yamldata``) and the
node tree with exact character spans that edits are made on (``yamltree``)."""

"""Everything that writes: the file protocol (folders opened without following links,
locks, atomic replace; ``files``), the save of planned changes (``save``) and the journal
of prior versions that ``copydesk undo`` restores (``journal``)."""

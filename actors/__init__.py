"""Magic Mango's consumer actors, their messages, storage and migrations."""

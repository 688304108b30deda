"""The module catalogue: finding a module by slug (library or the school's own), its versions.

The lessons, the editor (`authoring`), lesson runs and coordination look modules up here;
it has no pages of its own.
"""

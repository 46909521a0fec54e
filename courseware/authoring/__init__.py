"""Instructor authoring: editing courses in the browser, bundles, co-authors and analytics."""

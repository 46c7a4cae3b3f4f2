"""The data files that pass between notebooks (``.pt`` files, the Minari dataset): read with care, written
atomically. Imports only from ``helpers.core`` (``helpers/__init__.py`` draws the layers)."""

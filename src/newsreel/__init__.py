"""newsreel: the publishing system of a bilingual (English/French) official media portal."""

__version__ = "0.1.0"

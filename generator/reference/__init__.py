"""Fixed knowledge of the cables' world: the posts (stations) and the TAGS glossary, with their data tables."""

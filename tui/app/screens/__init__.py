"""The screens of byline: library, article, help and the label picker."""

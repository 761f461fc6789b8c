"""Widgets of the article screen: the Line API article view and its side panels."""

"""Roster packets: fields, variable-data printing and the roster pipeline."""

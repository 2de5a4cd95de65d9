"""Parcours: a youth hired by an SIAE, their Mission Locale adviser and the SIAE's counsellor in one rhythm of
touchpoints, from the orientation call to the final review, with skills sheets and one shared history."""

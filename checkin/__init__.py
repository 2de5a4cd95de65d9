"""Who was there: tickets and badges, paired phones, the /scan app, attendance, émargement, walk-ins."""

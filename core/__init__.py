"""The shared kernel: settings, database, errors, forms, i18n, templating, PDF, signals, clock. Imports no feature."""

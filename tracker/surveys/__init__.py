"""The group-effectiveness survey run in the tracker: instruments as data, rounds a group's
members answer through personal links, and results shown only where anonymity holds."""

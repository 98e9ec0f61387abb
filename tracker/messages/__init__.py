"""Messages from a coordinator to a cohort's groups: chosen recipients, a preview, one mail
each through the outbox, and a copy kept on the cohort's page with who received it."""

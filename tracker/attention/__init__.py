"""What needs a coordinator's attention: groups behind plan or with low attendance, groups without
a top leader or still only invited, cohorts short of groups, and sessions left unrecorded."""

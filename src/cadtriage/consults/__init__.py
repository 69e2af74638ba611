"""The crisis desk: clinicians in the 911 centre, and the calls they take before (or while) anyone drives."""

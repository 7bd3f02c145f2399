"""The ``mlsecure`` command line: thin argparse faces over the library (nothing imports this)."""

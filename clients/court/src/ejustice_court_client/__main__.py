import sys

from ejustice_court_client.cli import main

sys.exit(main(sys.argv[1:]))

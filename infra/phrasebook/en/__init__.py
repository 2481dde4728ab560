"""English, for the API's problem details and the command line."""

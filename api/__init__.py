"""The outer shell: command line now, HTTP later. Imports every earlier stage."""

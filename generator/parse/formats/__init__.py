"""One module per input format; each turns text into `Source` objects."""

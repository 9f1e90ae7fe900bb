"""Text primitives every wing uses: words and normalisation, text fragments for links,
invisible characters."""

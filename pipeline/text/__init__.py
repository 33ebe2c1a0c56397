"""Text helpers shared by the stages: normalisation, the boilerplate lexicon, dates, bylines."""

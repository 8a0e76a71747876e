//! Clinical NLP for mlhc: sentences, sections, concept matching, ConText assertions, de-identification.

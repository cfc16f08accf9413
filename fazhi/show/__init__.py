"""show: figures and tables for people: plain-text reports, terminal tables, plots, the models listing."""

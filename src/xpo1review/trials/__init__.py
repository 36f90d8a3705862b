"""Curated trials, compounds, mutations and protein features; the ClinicalTrials.gov client."""

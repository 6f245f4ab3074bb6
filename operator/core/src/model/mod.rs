//! Resource model of the sluice.dev/v1alpha1 API.

"""From a case to the document model: templates, selection, composition, the model itself."""

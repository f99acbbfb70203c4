"""LaMP: official formats and metrics, personalization strategies, reports (``rapport eval lamp``)."""

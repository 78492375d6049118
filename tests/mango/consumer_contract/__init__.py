"""The consumer and publisher contract, run on the memory transport and on real SQS servers."""

print("forge-worker: not yet")

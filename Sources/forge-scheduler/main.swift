print("forge-scheduler: not yet")

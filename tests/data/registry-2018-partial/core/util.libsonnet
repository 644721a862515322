{
  // Labels every object of this fixture carries.
  labels(name):: { app: name },
}

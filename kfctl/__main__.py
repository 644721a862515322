from kfctl.cli import main

main()

from appeal.cli import main

main()
